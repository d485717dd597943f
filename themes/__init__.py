"""portside's own themes, registered at start-up next to Textual's built-in ones.

Every colour the app shows comes from these variables (and the derived ones Textual computes from them); the only
exception is a per-target frame colour the user writes in the config file.
"""

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
    foreground="#DCE3EA",
    background="#0E1419",
    surface="#151D24",
    panel="#1D2833",
    dark=True,
    variables={
        "block-cursor-foreground": "#0E1419",
        "block-cursor-text-style": "bold",
        "footer-key-foreground": "#E0A84F",
        "input-selection-background": "#4FA3D9 35%",
        "scrollbar": "#1D2833",
        "scrollbar-hover": "#2C3E4F",
        "scrollbar-active": "#4FA3D9",
    },
)

PORTSIDE_LIGHT = Theme(
    name="portside-light",
    primary="#1F6FA8",
    secondary="#2E7D32",
    accent="#9A5B00",
    warning="#9A5B00",
    error="#B3261E",
    success="#2E7D32",
    foreground="#1B2631",
    background="#F7F9FB",
    surface="#FFFFFF",
    panel="#E3E9EF",
    dark=False,
    variables={
        "block-cursor-foreground": "#FFFFFF",
        "block-cursor-text-style": "bold",
        "footer-key-foreground": "#1F6FA8",
        "input-selection-background": "#1F6FA8 25%",
        "scrollbar": "#D0D9E2",
        "scrollbar-hover": "#B4C2CF",
        "scrollbar-active": "#1F6FA8",
    },
)

# High contrast: pure black and white, saturated signal colours, muted text kept well above 7:1.
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
    variables={
        "text": "#FFFFFF",
        "text-muted": "#C8C8C8",
        "text-disabled": "#A0A0A0",
        "block-cursor-foreground": "#000000",
        "block-cursor-text-style": "bold",
        "block-cursor-blurred-background": "#606060",
        "block-cursor-blurred-foreground": "#FFFFFF",
        "footer-key-foreground": "#FFFF00",
        "border": "#FFFFFF",
        "border-blurred": "#808080",
        "input-selection-background": "#FFFF00 40%",
        "scrollbar": "#404040",
        "scrollbar-hover": "#808080",
        "scrollbar-active": "#FFFF00",
    },
)

THEMES = (PORTSIDE_DARK, PORTSIDE_LIGHT, PORTSIDE_CONTRAST)
DEFAULT_THEME = PORTSIDE_DARK.name
