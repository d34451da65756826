/** The console bundle's entry. */
import './cw-console';
