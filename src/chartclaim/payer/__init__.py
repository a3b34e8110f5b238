"""payer"""
