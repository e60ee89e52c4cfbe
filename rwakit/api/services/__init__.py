"""The API's business logic, one module per resource; routes only translate HTTP to these calls."""
