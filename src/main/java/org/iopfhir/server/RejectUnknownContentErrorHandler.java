package org.iopfhir.server;

import ca.uhn.fhir.parser.LenientErrorHandler;
import ca.uhn.fhir.parser.StrictErrorHandler;
import ca.uhn.fhir.parser.json.BaseJsonLikeValue.ScalarType;
import ca.uhn.fhir.parser.json.BaseJsonLikeValue.ValueType;

/**
 * HAPI's default parser silently drops elements it does not know, so a client's typo or a
 * wrong JSON type would be stored as data loss with a 201. This handler refuses such content
 * (HAPI answers 400 with the element's location) and stays lenient where leniency loses nothing,
 * e.g. contained resources without an id.
 */
public class RejectUnknownContentErrorHandler extends LenientErrorHandler {

    private static final StrictErrorHandler STRICT = new StrictErrorHandler();

    public RejectUnknownContentErrorHandler() {
        super(false);
    }

    @Override
    public void unknownElement(IParseLocation location, String elementName) {
        STRICT.unknownElement(location, elementName);
    }

    @Override
    public void unknownAttribute(IParseLocation location, String attributeName) {
        STRICT.unknownAttribute(location, attributeName);
    }

    @Override
    public void unexpectedRepeatingElement(IParseLocation location, String elementName) {
        STRICT.unexpectedRepeatingElement(location, elementName);
    }

    @Override
    public void incorrectJsonType(IParseLocation location, String elementName, ValueType expected,
            ScalarType expectedScalar, ValueType found, ScalarType foundScalar) {
        STRICT.incorrectJsonType(location, elementName, expected, expectedScalar, found, foundScalar);
    }
}
