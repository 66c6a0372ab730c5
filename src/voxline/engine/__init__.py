"""The embedded offline engine: VAD, STT, LLM and TTS behind ports, run as a RealtimeModel."""
