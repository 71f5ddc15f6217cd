-- Airflow keeps its metadata in its own database beside the registry's.
CREATE DATABASE airflow;
