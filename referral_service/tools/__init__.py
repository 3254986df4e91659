"""Commissioner tools: the outcomes target calculator and the workforce planner (API and page)."""
