"""`make bench`: a large synthetic dataset in a database of its own, and each main page's
median server time and query count against a bare baseline view measured in the same run.

    python -m bench                 # target sizes, SQLite file bench/bench.sqlite3
    python -m bench --quick         # a small dataset for a smoke run
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python -m bench

Pages and operations are listed in `bench.pages`; the dataset is built by `bench.dataset`.
"""
