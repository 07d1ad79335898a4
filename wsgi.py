from coachkit import create_app

app = create_app()
