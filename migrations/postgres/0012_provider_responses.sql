-- How a provider serves /v1/responses: 'native' forwards it byte for byte (the upstream
-- speaks the Responses API), 'via_chat' translates it into the provider's chat protocol.
-- Existing providers: native for the official OpenAI endpoint, translated otherwise.
ALTER TABLE providers ADD COLUMN responses TEXT NOT NULL DEFAULT 'via_chat'
    CHECK (responses IN ('native', 'via_chat'));
UPDATE providers SET responses = 'native'
    WHERE api_type = 'openai' AND base_url LIKE 'https://api.openai.com%';
