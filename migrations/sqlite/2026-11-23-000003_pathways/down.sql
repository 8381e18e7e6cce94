DROP TABLE awards;
DROP TABLE pathway_versions;
DROP TABLE pathways;
