"""Channel profiles and the per-channel specs and rules (google/, later meta/ and amazon/)."""
