"""Message layouts for alerts and the email HTML shell they are written into."""
