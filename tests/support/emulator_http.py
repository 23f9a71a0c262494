"""Raw HTTP against the emulators: the headers a Jellyfin client authenticates with."""

JF_AUTH = 'MediaBrowser Token="{}", Client="tests", Device="t", DeviceId="t", Version="1"'
