-- The sweeper of abandoned chats looks for open sessions not seen for a while.
CREATE INDEX chat_session_open_seen ON chat_session (ended_at, last_seen_at);
