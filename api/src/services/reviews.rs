//! The review queue of pathways with `"issuance": "review"`.
