"""Expected parse of charset_override.xml (#19 class 4, charset): the bytes are UTF-8
whatever the declaration says; the override is a charset_override warning, not silent."""

KIND = "news"
URL = "https://nauka.example.ru/feed.xml"
FEED = {"title": "Новости науки"}
WARNING_CODES = ["charset_override"]
ENTRIES = [{"title": "Языковые модели и грамматика"}]
