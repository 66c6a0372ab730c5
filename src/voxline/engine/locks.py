"""One lock per engine component, so models sharing an STT, LLM or TTS never call it at once."""

from __future__ import annotations

import threading
import weakref

_lock = threading.Lock()
_by_ref: weakref.WeakKeyDictionary[object, threading.Lock] = weakref.WeakKeyDictionary()
_by_id: dict[int, tuple[object, threading.Lock]] = {}


def component_lock(component: object) -> threading.Lock:
    """The lock that guards `component` across every LocalRealtimeModel using it.

    The server loads STT, LLM and TTS once and gives them to one model per conversation;
    adapters such as llama.cpp are not safe to call from two threads at the same time.
    """
    with _lock:
        try:
            found = _by_ref.get(component)
            if found is None:
                found = _by_ref[component] = threading.Lock()
        except TypeError:  # not weakly referenceable (__slots__): keep it alive with its lock
            entry = _by_id.get(id(component))
            if entry is None or entry[0] is not component:
                entry = _by_id[id(component)] = (component, threading.Lock())
            found = entry[1]
        return found
