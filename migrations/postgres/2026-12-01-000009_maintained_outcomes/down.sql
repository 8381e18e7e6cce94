DROP TABLE outcome_marks;
DROP TABLE outcomes;
DROP TABLE learner_outcomes;
DROP TABLE graph_changes;
DROP TABLE graph_version;
