"""Statements: who takes which stance on which guarantee topic, with evidence."""
