"""Synthetic people with known geometry: the demo's data, and the tests' ground truth.

* :mod:`kneecoach.sample_data.synthetic` — movement tests (single-leg squat, squat, step-down,
  lunge, landings, stance, sit-to-stand; front, rear and side views) with a chosen knee
  valgus and pelvic drop, and the faults real pose models make (noise, dropouts, left/right
  swaps).
* :mod:`kneecoach.sample_data.gait` — running, walking and skating with known steps.
"""
