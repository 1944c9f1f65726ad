package config

type position struct{ line, col int }
