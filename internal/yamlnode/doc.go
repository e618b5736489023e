// Package yamlnode decodes yaml.v3 node trees into Go values for the file formats of
// bcdr (runbooks, the service catalogue) and keeps the place in the file of every value
// it decodes, so that validation can report each problem as file:line:col.
//
// A Decoder reports a problem and goes on, so that one pass finds every problem: it
// decodes mappings with known keys (Fields: unknown keys are reported with the closest
// known one, duplicate keys are reported, "<<" merge keys are expanded), scalars (Str,
// Int, Bool, Float, Parsed), lists and maps of strings, and lists of mappings (List).
// Document parses a file that must hold one YAML document, within a size limit; Expand
// measures a tree with its aliases expanded, so that a format can refuse a "billion
// laughs" document before decoding it.
//
// It knows nothing of the formats themselves: their types, their messages' nouns and
// their limits are the caller's, and so are the diagnostics, which a Decoder hands to the
// caller's Errorf.
package yamlnode
