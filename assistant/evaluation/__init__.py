"""Evaluation harness behind `assistant eval`: suites, metrics, runner, reports and Cohere fixtures.

Kept import-light: the CLI imports `assistant.evaluation.command` at start-up, and everything heavy
(Chroma, the SDK, matplotlib, rouge-score) is imported only when an evaluation runs.
"""
