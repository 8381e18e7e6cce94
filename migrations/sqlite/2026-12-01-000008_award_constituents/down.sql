DROP INDEX award_constituents_constituent;
DROP TABLE award_constituents;
