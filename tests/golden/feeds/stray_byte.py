"""Expected parse of stray_byte.xml (#19 class 4, charset): one byte that is not UTF-8
does not turn the whole feed into mojibake ("SÃ£o Paulo"); it becomes U+FFFD and the
feed carries a recovered_with_losses warning."""

KIND = "news"
URL = "https://noticias.example.com.br/feed.xml"
FEED = {"title": "Notícias do Brasil"}
WARNING_CODES = ["recovered_with_losses"]
ENTRIES = [
    {
        "title": "São Paulo recebe conferência de IA",
        "summary_html": "Pesquisadores de três continentes em São Paulo.",
    },
    {
        "title": "Modelos de linguagem em português",
        "summary_html": "It\ufffds a benchmark for Brazilian Portuguese.",
    },
]
