"""Alert rendering (email HTML and text, Slack mrkdwn) and delivery through Apprise."""
