"""Reading input into records before anything is written: claims files, ClaimReview
feeds, article pages and files, and re-anchoring quotes in a changed text."""
