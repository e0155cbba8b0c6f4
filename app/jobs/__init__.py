"""Records of scheduler job runs: what ran, when, where, and how it ended."""
