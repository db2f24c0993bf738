package org.iopfhir.privacy.audit;

import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAction;

/** FHIR RESTful interactions ({@code http://hl7.org/fhir/restful-interaction}) with their audit action. */
public enum Interaction {
    READ("read", AuditEventAction.R),
    VREAD("vread", AuditEventAction.R),
    SEARCH_TYPE("search-type", AuditEventAction.E),
    SEARCH_SYSTEM("search-system", AuditEventAction.E),
    HISTORY_INSTANCE("history-instance", AuditEventAction.R),
    HISTORY_TYPE("history-type", AuditEventAction.R),
    HISTORY_SYSTEM("history-system", AuditEventAction.R),
    CREATE("create", AuditEventAction.C),
    UPDATE("update", AuditEventAction.U),
    PATCH("patch", AuditEventAction.U),
    DELETE("delete", AuditEventAction.D),
    TRANSACTION("transaction", AuditEventAction.E),
    BATCH("batch", AuditEventAction.E),
    OPERATION("operation", AuditEventAction.E),
    /** A request refused before it could be recognized (e.g. no valid token). */
    UNKNOWN("operation", AuditEventAction.E);

    private final String code;
    private final AuditEventAction action;

    Interaction(String code, AuditEventAction action) {
        this.code = code;
        this.action = action;
    }

    public String code() {
        return code;
    }

    public AuditEventAction action() {
        return action;
    }

    /** Searches return data, so they are "execute" per DICOM's query convention; paging continues a search. */
    public static Interaction of(RestOperationTypeEnum type) {
        if (type == null) {
            return UNKNOWN;
        }
        return switch (type) {
            case READ -> READ;
            case VREAD -> VREAD;
            case SEARCH_TYPE, GET_PAGE -> SEARCH_TYPE;
            case SEARCH_SYSTEM -> SEARCH_SYSTEM;
            case HISTORY_INSTANCE -> HISTORY_INSTANCE;
            case HISTORY_TYPE -> HISTORY_TYPE;
            case HISTORY_SYSTEM -> HISTORY_SYSTEM;
            case CREATE -> CREATE;
            case UPDATE, UPDATE_REWRITE_HISTORY -> UPDATE;
            case PATCH -> PATCH;
            case DELETE -> DELETE;
            case TRANSACTION -> TRANSACTION;
            case BATCH -> BATCH;
            default -> OPERATION;
        };
    }
}
