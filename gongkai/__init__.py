"""gongkai: government information-disclosure annual reports → a validated Parquet lake."""

__version__ = "0.1.0"
