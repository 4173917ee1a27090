-- When each side of a chat last typed, so the other side can be told (the desktop
-- and the widget read it; a few seconds old, it no longer counts).
ALTER TABLE chat_session ADD COLUMN customer_typing_at INTEGER;
ALTER TABLE chat_session ADD COLUMN agent_typing_at INTEGER;
