"""Conformance tier: cases written from Google's published samples, client tests and reference, run
through Google's unmodified clients against the Monitoring emulator, over gRPC and REST."""
