"""Benchmarks (`kotae bench` and the HTTP load test): plans, sections, synthetic data and reports."""
