"""Evaluation against a gold file: relevance, metrics, runners, reports and the configuration grid."""
