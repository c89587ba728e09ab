"""The game: Burr actions and transitions, the channel to the dataflows, hooks, play/build."""
