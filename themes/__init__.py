"""portside's own themes, registered at start-up next to Textual's built-in ones."""

from __future__ import annotations

from textual.theme import Theme

PORTSIDE_DARK = Theme(
    name="portside-dark",
    primary="#4FA3D9",
    secondary="#7BC67B",
    accent="#E0A84F",
    warning="#E0A84F",
    error="#E5534B",
    success="#57AB5A",
    background="#0E1419",
    surface="#151D24",
    panel="#1D2833",
    dark=True,
)

PORTSIDE_LIGHT = Theme(
    name="portside-light",
    primary="#1F6FA8",
    secondary="#2E7D32",
    accent="#9A5B00",
    warning="#9A5B00",
    error="#B3261E",
    success="#2E7D32",
    background="#F7F9FB",
    surface="#FFFFFF",
    panel="#E3E9EF",
    dark=False,
)

PORTSIDE_CONTRAST = Theme(
    name="portside-contrast",
    primary="#FFFF00",
    secondary="#00FFFF",
    accent="#FF00FF",
    warning="#FFFF00",
    error="#FF5555",
    success="#00FF00",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#202020",
    dark=True,
)

THEMES = (PORTSIDE_DARK, PORTSIDE_LIGHT, PORTSIDE_CONTRAST)
DEFAULT_THEME = PORTSIDE_DARK.name
