"""nnplayground's web server: FastAPI over the NumPy engine."""
