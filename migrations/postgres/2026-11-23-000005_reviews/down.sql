DROP TABLE cascade_suspensions;
DROP TABLE award_reviews;
