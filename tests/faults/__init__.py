"""The fault matrix of the "trust" issue: one module per case, each test's docstring the promise it holds."""
