"""codesets"""
