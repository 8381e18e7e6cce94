DROP TABLE pathway_follows;
DROP TABLE cascade_suspensions;
DROP TABLE award_reviews;
