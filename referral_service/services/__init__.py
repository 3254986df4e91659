"""A service's staff, caseloads (with fidelity warnings) and contract targets."""
