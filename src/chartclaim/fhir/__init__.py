"""fhir"""
