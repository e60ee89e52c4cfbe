from rwakit.cli import app

app()
