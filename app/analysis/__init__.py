"""Analysis: periods, indicators, rankings, period reports, health reports and reminder letters."""
