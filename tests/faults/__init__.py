"""The fault matrix of the trust issue: one module per case, each test states the promise it holds."""
