//! OData query options for the Graph subset.
