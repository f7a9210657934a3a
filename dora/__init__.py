"""The DORA register of information (ITS (EU) 2024/2956) and its xBRL-CSV reporting package."""
