from policykb.cli.main import run

run()
