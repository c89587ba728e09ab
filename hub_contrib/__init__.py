"""The dataflows in the Hamilton hub's layout, generated from dataflows/ by hub_contrib.build."""
