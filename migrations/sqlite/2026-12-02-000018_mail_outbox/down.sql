DROP TABLE notification_preferences;
DROP TABLE mail_outbox;
