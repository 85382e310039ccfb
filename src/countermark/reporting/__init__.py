"""Reporting: enforcement metrics (`metrics`), transparency report (`transparency`), DSA Transparency Database
export (`dsa`) and the prevalence audit (`prevalence`, `sampling`). See docs/reporting.md."""
