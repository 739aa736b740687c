from . import kashoo_books_comparison
from . import kashoo_books_comparison_line
from . import kashoo_books_comparison_detail
from . import kashoo_books_comparison_aging
from . import kashoo_backend
