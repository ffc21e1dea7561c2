"""The state every feature reads and writes, made once by the window's constructor.

Features never create shared state: they receive this (through `Features.state`) and keep their own
widgets to themselves. The session is the map's model (dataset, layout, selection, focus); the explore
state is what is drawn over it (groups, clustering, trust, colour mode).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from latentview.core.explore import ExploreState
from latentview.core.session import Session
from latentview.qt.shell.task_runner import TaskRunner

# A feature's part of a session file: get() -> JSON (or None), put(JSON or None) restores it.
SessionPart = tuple[Callable[[], object], Callable[[object], None]]


@dataclass(eq=False)
class AppState:
    session: Session
    runner: TaskRunner
    search_factory: Callable  # embeddings -> a k-NN search (composed by app.py)
    explore: ExploreState = field(default_factory=ExploreState)
    # Features keep their own part of a session file: name -> (get, put).
    session_parts: dict[str, SessionPart] = field(default_factory=dict)
    # (codes, colours, legend names) for the map, or None for "by label"; set by colour-by.
    colour_source: Callable[[], tuple | None] | None = None
    auto_cluster: bool = True  # a new map is clustered in the background (tests turn it off)

    @classmethod
    def create(cls, parent, search_factory: Callable) -> AppState:
        """The one place shared state is made; the explore state follows the session's dataset."""
        session = Session(search_factory=search_factory)
        state = cls(session, TaskRunner(parent), search_factory)
        ex = state.explore
        session.dataset_changed.connect(lambda: ex.reset(session.dataset))
        session.rows_added.connect(lambda added: ex.extend(session.dataset, added))
        return state
